Attribute VB_Name = "xlarAdjustments"
' Callbacks of the AR tab's Adjustments group.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub OnApproveAdjustments(control As IRibbonControl)
    RunXlarAction "approve_adjustments"
End Sub

Public Sub OnPostAdjustments(control As IRibbonControl)
    RunXlarAction "post_adjustments"
End Sub

Public Sub OnRecommendBadDebt(control As IRibbonControl)
    RunXlarAction "recommend_bad_debt"
End Sub

Public Sub OnReconcileGl(control As IRibbonControl)
    Dim chosen As Variant
    chosen = Application.GetOpenFilename("GL trial balance (*.csv;*.xlsx;*.xls),*.csv;*.xlsx;*.xls", , "Reconcile GL")
    If VarType(chosen) = vbBoolean Then Exit Sub
    RunXlarAction "reconcile_gl", ", file=" & PyText(CStr(chosen))
End Sub

Public Sub OnValidateAdjustments(control As IRibbonControl)
    RunXlarAction "validate_adjustments"
End Sub
