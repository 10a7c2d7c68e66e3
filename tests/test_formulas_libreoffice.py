"""Where Excel has a native formula for what a UDF does, LibreOffice calculates the
native formula over the same cells and the UDF must give the same answer."""

import datetime as dt
import random

import numpy as np
from openpyxl import Workbook

import udfs.ar as xl

EPOCH = dt.date(1899, 12, 30)
AS_OF = dt.date(2026, 10, 31)
BUCKET = ('=IF(C{r}<=0,"Not due",IF(C{r}<=30,"1-30",IF(C{r}<=60,"31-60",IF(C{r}<=90,"61-90",'
          'IF(C{r}<=120,"91-120","Over 120")))))')


def serial(d):
    return float((d - EPOCH).days)


def test_udfs_equal_native_formulas_calculated_by_libreoffice(tmp_path, libreoffice):
    rnd = random.Random(11)
    offsets = [0, 1, 30, 31, 60, 61, 90, 91, 120, 121, -5, 400] + \
        [rnd.randint(-60, 400) for _ in range(150)]
    n = len(offsets)
    dues = [AS_OF - dt.timedelta(days=o) for o in offsets]
    docs = [d - dt.timedelta(days=30) for d in dues]
    pays = [doc + dt.timedelta(days=rnd.randint(0, 60)) for doc in docs]
    amounts = [rnd.randint(1, 10**7) / 100 for _ in range(n)]
    customers = [rnd.choice(["Acme", "Beta", "Gamma"]) for _ in range(n)]

    wb = Workbook()
    ws = wb.active
    ws.title = "F"
    ws["L1"] = AS_OF
    ws.append([])  # row 1 holds the as-of date in L1; headers are not needed by formulas
    for i in range(n):
        r = i + 2
        ws.cell(r, 1, dues[i])
        ws.cell(r, 3, f"=MAX(0,$L$1-A{r})")
        ws.cell(r, 4, BUCKET.format(r=r))
        ws.cell(r, 5, amounts[i])
        ws.cell(r, 6, docs[i])
        ws.cell(r, 7, pays[i])
        ws.cell(r, 8, f"=IF(G{r}-F{r}<=10,ROUND(E{r}*2/100,2),0)")       # 2/10 NET 30
        ws.cell(r, 9, f"=ROUND(E{r}*0.1015*MAX(0,G{r}-A{r})/365,2)")      # late interest
        ws.cell(r, 10, customers[i])
    last = n + 1
    ws["M1"] = f'=SUMIFS(E2:E{last},J2:J{last},"Acme")'
    ws["M2"] = "=123456.78/987654.32*90"                                  # DSO
    ws["M3"] = "=45678.9/987654.32*90"                                    # best DSO
    ws["M4"] = "=(50000+300000-100000)/(50000+300000-40000)*100"          # CEI
    path = tmp_path / "native.xlsx"
    wb.save(path)

    grid = libreoffice.recalculated(path)["F"]
    native = {c: [grid[i + 1][c] for i in range(n)] for c in (2, 3, 7, 8)}

    due_serials = tuple((serial(d),) for d in dues)
    days = [r[0] for r in np.asarray(xl.AR_DAYS_PAST_DUE(due_serials, serial(AS_OF))).tolist()]
    assert days == [int(x) for x in native[2]]
    buckets = [r[0] for r in np.asarray(xl.AR_BUCKET(due_serials, serial(AS_OF))).tolist()]
    assert buckets == native[3]

    col = lambda xs: tuple((x,) for x in xs)  # noqa: E731
    disc = np.asarray(xl.AR_DISCOUNT(col(amounts), "2/10 NET 30", col(map(serial, docs)),
                                     col(map(serial, pays)))).ravel().tolist()
    assert [round(x * 100) for x in disc] == [round(x * 100) for x in native[7]]
    late = np.asarray(xl.AR_LATE_INTEREST(col(amounts), col(map(serial, dues)),
                                          col(map(serial, pays)), 0.1015)).ravel().tolist()
    assert [round(x * 100) for x in late] == [round(x * 100) for x in native[8]]

    header = (("Customer", "Due Date", "Open Balance"),)
    rows = header + tuple((c, serial(d), a) for c, d, a in zip(customers, dues, amounts,
                                                              strict=True))
    assert round(xl.AR_OPEN_BALANCE("Acme", rows) * 100) == round(grid[0][12] * 100)
    assert abs(xl.AR_DSO(123456.78, 987654.32, 90) - grid[1][12]) < 1e-9
    assert abs(xl.AR_BEST_DSO(45678.9, 987654.32, 90) - grid[2][12]) < 1e-9
    assert abs(xl.AR_CEI(50000, 300000, 100000, 40000) - grid[3][12]) < 1e-9
