"""Notices that come from the clock, not from an event: an activity tomorrow for
those signed up, an order not accepted near its deadline for the station's staff, a
kiosk hold about to expire for its volunteer. The sweeper adds them to the inbox read
model; each has a stable id, so it is added once however often the sweeper looks
(and again after a rebuild, while it is still due)."""

from __future__ import annotations

from datetime import datetime, timedelta

from projections.queries import ReadModels

#: How long before an activity its volunteers are reminded.
ACTIVITY_AHEAD = timedelta(hours=24)
#: How long before a hold expires its volunteer is reminded.
HOLD_AHEAD = timedelta(minutes=5)
#: Staff hear of an order not yet accepted once this share of the deadline passed.
DEADLINE_SHARE = 0.75

INSERT = (
    "INSERT INTO {t}.notifications (id, recipient_kind, recipient_id, kind, title, "
    "body, subject_id, created_at) "
)
ACTIVITY_TOMORROW = (
    INSERT
    + """
SELECT 'activity_tomorrow:' || a.id || ':' || s.volunteer_id, 'volunteer',
       s.volunteer_id, 'activity_tomorrow', '您报名的活动即将开始',
       a.title || '，' || to_char(a.starts_at AT TIME ZONE 'Asia/Shanghai',
       'MM月DD日 HH24:MI') || '，' || a.location, a.id, %(now)s
FROM {t}.activities a JOIN {t}.activity_attendance s ON s.activity_id = a.id
WHERE a.state = 'published' AND s.status = 'signed_up'
  AND a.starts_at > %(now)s AND a.starts_at <= %(activity_until)s
ON CONFLICT (id) DO NOTHING
"""
)
ORDER_UNACCEPTED = (
    INSERT
    + """
SELECT 'order_unaccepted:' || o.id, 'unit', o.station_id, 'order_unaccepted',
       '点单即将超时未接单', o.title, o.id, %(now)s
FROM {t}.orders o
WHERE o.state IN ('placed', 'reviewed', 'dispatched', 'open')
  AND o.placed_at <= %(near_deadline)s AND o.placed_at > %(deadline)s
ON CONFLICT (id) DO NOTHING
"""
)
HOLD_EXPIRING = (
    INSERT
    + """
SELECT 'hold_expiring:' || r.id, 'volunteer', r.volunteer_id, 'hold_expiring',
       '兑换预留即将到期',
       '请在 ' || to_char(r.expires_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI')
       || ' 前到信用超市确认，过时积分与库存退回', r.id, %(now)s
FROM {t}.redemptions r
WHERE r.state = 'held' AND r.expires_at > %(now)s AND r.expires_at <= %(hold_until)s
ON CONFLICT (id) DO NOTHING
"""
)


class Reminders:
    def __init__(self, reads: ReadModels, accept_deadline: timedelta) -> None:
        self.reads = reads
        self.accept_deadline = accept_deadline

    def remind(self, now: datetime) -> int:
        """Adds the reminders now due; how many were new."""
        params = {
            "now": now,
            "activity_until": now + ACTIVITY_AHEAD,
            "hold_until": now + HOLD_AHEAD,
            "near_deadline": now - self.accept_deadline * DEADLINE_SHARE,
            "deadline": now - self.accept_deadline,
        }
        added = 0
        for statement in (ACTIVITY_TOMORROW, ORDER_UNACCEPTED, HOLD_EXPIRING):
            added += self.reads.execute(statement, params)
        return added
