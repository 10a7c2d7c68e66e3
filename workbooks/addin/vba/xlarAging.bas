Attribute VB_Name = "xlarAging"
' Callbacks of the AR tab's Aging group.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub OnManagementReport(control As IRibbonControl)
    RunXlarAction "management_report"
End Sub

Public Sub OnRefreshAging(control As IRibbonControl)
    RunXlarAction "refresh_aging"
End Sub

Public Sub OnSetupWorkbench(control As IRibbonControl)
    RunXlarAction "setup_workbench"
End Sub
