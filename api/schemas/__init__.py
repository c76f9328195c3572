"""Request and response models of the public API, one module per router."""
