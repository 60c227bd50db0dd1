"""Write county_results.fods: the demo year's simulated results as a county fills them in a
spreadsheet program, then let LibreOffice save it as county_results.xlsx (see README.md).

    PYTHONPATH=src python tests/data/exchange/make_county_results.py tests/data/exchange
    cd tests/data/exchange && soffice --headless --convert-to xlsx county_results.fods
"""
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from random_inspection.demo import demo_city, demo_plan, demo_results
from random_inspection.planning import run_plan
from random_inspection.results import ResultCode

out = Path(sys.argv[1])
city = demo_city(n_targets=3000, n_officers=60)
year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
                seed="31415926535897932384")
book, _ = demo_results(year)
ORDER = list(ResultCode)
HEADER = ["统一社会信用代码", "企业名称", " 任务编号 ", "抽查事项", "检查结果", "检查方式",
          "检查日期", "执法人员", "组长", "专家", "备注", "录入人"]
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH_ORDINAL = 693594  # date(1899, 12, 30).toordinal()


def text(value, style=""):
    style = f' table:style-name="{style}"' if style else ""
    return (f'<table:table-cell{style} office:value-type="string">'
            f"<text:p>{escape(value)}</text:p></table:table-cell>")


def date_cell(day, rows=1):
    span = f' table:number-rows-spanned="{rows}"' if rows > 1 else ""
    return (f'<table:table-cell table:style-name="ceDate"{span} office:value-type="date" '
            f'office:date-value="{day.isoformat()}"><text:p>{day.isoformat()}</text:p>'
            "</table:table-cell>")


def number(value):
    return (f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>")


COVERED = "<table:covered-table-cell/>"
rows = []
title = ('<table:table-cell table:style-name="ceTitle" table:number-columns-spanned="12" '
         'office:value-type="string"><text:p>2024年度“双随机、一公开”抽查结果录入表</text:p>'
         '</table:table-cell><table:covered-table-cell table:number-columns-repeated="11"/>')
rows.append(title)
rows.append('<table:table-cell table:number-columns-spanned="12" office:value-type="string">'
            "<text:p>填报单位：忻州市市场监督管理局（盖章）　　填报日期：2024年12月1日</text:p>"
            '</table:table-cell><table:covered-table-cell table:number-columns-repeated="11"/>')
rows.append("".join(text(h, "ceHead") for h in HEADER))
for k, result in enumerate(book):
    name = city.targets[result.target_id].name
    n = len(result.outcomes)
    day = result.check_date
    officers = "、".join(result.officers)
    if k % 4 == 0:  # full-width digits, a full-width comma, surrounding spaces
        officers = "  " + "，".join(result.officers).translate(WIDE) + " "
    for i, outcome in enumerate(result.outcomes):
        codes = [c for c in ORDER if c in outcome.codes]
        if codes == [ResultCode.NO_PROBLEM] and k % 2 == 0:
            code_cell = number(1)
        elif k % 3 == 0:
            code_cell = text("、".join(c.label_zh for c in codes))
        else:
            code_cell = text("+".join(c.code for c in codes))
        target = f" {result.target_id} " if k == 1 else result.target_id
        cells = [text(target), text(name), text("+".join(result.tasks)), text(outcome.item),
                 code_cell, text(result.method.label_zh)]
        if k % 5 == 0:  # a date cell merged down the rows of the visit
            cells.append(date_cell(day, n) if i == 0 else COVERED)
        elif k % 5 == 1:
            cells.append(text(f"{day.year}/{day.month}/{day.day}"))
        elif k % 5 == 2:
            cells.append(text(f"{day.year}年{day.month}月{day.day}日"))
        elif k % 5 == 3:  # a serial number in a General cell
            cells.append(number(day.toordinal() - EXCEL_EPOCH_ORDINAL))
        else:
            cells.append(date_cell(day))
        cells += [text(officers), text(result.leader), text("、".join(result.experts)),
                  text(""), text(result.entered_by)]
        rows.append("".join(cells))
for _ in range(3):  # trailing rows formatted but empty, as a county leaves them
    rows.append('<table:table-cell table:style-name="ceDate" '
                'table:number-columns-repeated="12"/>')

body = "\n".join(f"<table:table-row>{r}</table:table-row>" for r in rows)
notes = "\n".join(f"<table:table-row>{text(c.code)}{text(c.label_zh)}</table:table-row>"
                  for c in ResultCode)
document = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
<number:date-style style:name="N1"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>
<style:style style:name="ceDate" style:family="table-cell" style:data-style-name="N1"/>
<style:style style:name="ceHead" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="ceTitle" style:family="table-cell"><style:text-properties fo:font-weight="bold" fo:font-size="14pt"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
<table:table table:name="检查结果">
{body}
</table:table>
<table:table table:name="填写说明">
{notes}
</table:table>
</office:spreadsheet></office:body></office:document>
"""
(out / "county_results.fods").write_text(document, encoding="utf-8")
