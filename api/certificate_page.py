"""The printable certificate (A4, Chinese): what a volunteer hands to a school or an
employer, with the number and code that let them check it."""

from __future__ import annotations

from html import escape
from typing import Any

import segno

from application.certificates import CertificateCheck
from domain.award import LEVEL_LABELS, AwardLevel

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>志愿服务证明 {number}</title>
<style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: "Songti SC", "Noto Serif CJK SC", "SimSun", serif; color: #000;
  max-width: 170mm; margin: 0 auto; font-size: 11.5pt; line-height: 1.6; }}
h1 {{ text-align: center; letter-spacing: 0.5em; font-size: 22pt; margin: 4mm 0 6mm; }}
.number {{ text-align: right; }}
table {{ width: 100%; border-collapse: collapse; margin: 4mm 0; }}
th, td {{ border: 1px solid #000; padding: 1.2mm 3mm; text-align: left;
  vertical-align: top; }}
th {{ width: 28%; font-weight: normal; background: #f3f3f3; }}
.check {{ margin-top: 6mm; font-size: 10pt; border-top: 1px dashed #000;
  padding-top: 3mm; }}
.seal {{ margin-top: 8mm; text-align: right; }}
.verify {{ display: flex; gap: 4mm; align-items: center; }}
.verify svg {{ width: 28mm; height: 28mm; flex: none; }}
.url {{ word-break: break-all; }}
.revoked {{ border: 2px solid #b00; color: #b00; padding: 2mm 4mm; margin: 4mm 0;
  font-size: 13pt; text-align: center; }}
</style>
</head>
<body>
<h1>志愿服务证明</h1>
{revoked}<p class="number">证明编号：{number}</p>
<p>兹证明 <strong>{name}</strong>（{id_type}：{id_number}，
志愿者编号：{volunteer_number}）于
{period_from} 至 {period_to} 期间参加志愿服务，经记录核实，累计服务时长
<strong>{hours} 小时</strong>（共 {entries} 次）。</p>
<table>
<tr><th>姓名</th><td>{name}</td></tr>
<tr><th>证件类型及号码</th><td>{id_type} {id_number}</td></tr>
<tr><th>志愿者编号</th><td>{volunteer_number}</td></tr>
<tr><th>服务时段</th><td>{period_from} 至 {period_to}</td></tr>
<tr><th>服务时长</th><td>{hours} 小时（{entries} 次）</td></tr>
<tr><th>服务内容</th><td>{activities}</td></tr>
<tr><th>出具单位</th><td>{issuer}</td></tr>
<tr><th>负责人</th><td>{person_in_charge}</td></tr>
<tr><th>经办人</th><td>{handler}</td></tr>
<tr><th>联系方式</th><td>{contact}</td></tr>
<tr><th>出具日期</th><td>{issued_on}</td></tr>
<tr><th>所获表彰</th><td>{awards}</td></tr>
<tr><th>备注</th><td>{remarks}</td></tr>
</table>
<p class="seal">{issuer}（盖章）<br>{issued_on}</p>
<div class="check verify">
{qr}
<div>本证明免费出具，内容真实。扫描二维码或访问以下地址查验：<br>
<span class="url">{url}</span><br>
证明编号 {number}，验证码 {code}。记录位置 {position}，链哈希 {chain_link}。</div>
</div>
</body>
</html>
"""


def qr_svg(url: str) -> str:
    """The verification address as an inline SVG QR code (no image request, so it
    prints and works offline)."""
    return str(segno.make(url, error="m").svg_inline(scale=4, omitsize=True))


def revoked_notice(view: CertificateCheck) -> str:
    if not view.revoked:
        return ""
    reason = escape(view.revocation_reason or "")
    return f'<p class="revoked">本证明已被出具单位撤销：{reason}</p>\n'


def award_line(award: dict[str, Any]) -> str:
    """2026-03-05 最美志愿者（县（区）级，授予单位）"""
    level = LEVEL_LABELS[AwardLevel(award["level"])]
    return (
        f"{award['awarded_on']} {award['title']}（{level}，{award['awarding_body']}）"
    )


def render(
    view: CertificateCheck,
    name: str,
    code: str,
    url: str,
    awards: list[dict[str, Any]],
) -> str:
    """`awards`: those the holder held on the day of issue (not revoked since)."""
    volunteer, issuer, period = view.volunteer, view.issuer, view.period
    fields = {
        "number": view.number,
        "name": name,
        "id_type": volunteer.id_type,
        "id_number": volunteer.id_number_masked,
        "volunteer_number": volunteer.volunteer_number,
        "period_from": period.from_,
        "period_to": period.to,
        "hours": view.hours,
        "entries": view.entries,
        "activities": "、".join(view.activities) or "—",
        "issuer": issuer.name,
        "person_in_charge": issuer.person_in_charge,
        "handler": issuer.handler,
        "contact": issuer.contact,
        "issued_on": view.issued_on,
        "remarks": view.remarks or "—",
        "awards": "；".join(award_line(a) for a in awards) or "—",
        "code": code,
        "position": view.record_position,
        "chain_link": view.chain_link,
        "url": url,
    }
    escaped = {k: escape(str(v)) for k, v in fields.items()}
    return PAGE.format(**escaped, qr=qr_svg(url), revoked=revoked_notice(view))


NOT_VERIFIED = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>未能查验志愿服务证明</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  max-width: 36em; margin: 10vh auto; padding: 0 1em; line-height: 1.7; color: #222; }}
h1 {{ font-size: 1.4em; color: #b00; }}
</style>
</head>
<body>
<h1>未能查验这份志愿服务证明</h1>
<p>证明编号{number}与验证码不相符，或没有这份证明。</p>
<p>请核对证明上印的证明编号和验证码（不区分大小写），或扫描证明上的二维码；
仍有疑问，请联系证明上的出具单位。</p>
</body>
</html>
"""


def render_not_verified(number: str) -> str:
    """What a wrong number or code shows a person: the same for both, in Chinese."""
    shown = f"“{escape(number[:40])}”" if number.strip() else ""
    return NOT_VERIFIED.format(number=shown)
