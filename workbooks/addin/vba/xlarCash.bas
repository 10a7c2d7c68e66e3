Attribute VB_Name = "xlarCash"
' Callbacks of the AR tab's Cash group.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub OnImportBankFile(control As IRibbonControl)
    Dim chosen As Variant
    chosen = Application.GetOpenFilename("Bank and remittance files (*.bai;*.bai2;*.txt;*.xml;*.sta;*.940;*.mt940;*.csv;*.xlsx;*.xls),*.bai;*.bai2;*.txt;*.xml;*.sta;*.940;*.mt940;*.csv;*.xlsx;*.xls,All files (*.*),*.*", , "Import Bank File")
    If VarType(chosen) = vbBoolean Then Exit Sub
    RunXlarAction "import_bank_file", ", file=" & PyText(CStr(chosen))
End Sub

Public Sub OnMatchCardPayments(control As IRibbonControl)
    RunXlarAction "match_card_payments"
End Sub

Public Sub OnPostPayments(control As IRibbonControl)
    RunXlarAction "post_payments"
End Sub
