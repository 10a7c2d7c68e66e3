Attribute VB_Name = "xlarRibbon"
' Ribbon callbacks of the xlar add-in (the AR tab).
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
' Python does the work on the workbook you are looking at and reports back in
' a message box; progress shows in Excel's status bar.
Option Explicit

Public Sub OnRefreshAging(control As IRibbonControl)
    RunXlarAction "refresh_aging"
End Sub

Public Sub OnSetupWorkbench(control As IRibbonControl)
    RunXlarAction "setup_workbench"
End Sub

Public Sub OnSaveToStore(control As IRibbonControl)
    RunXlarAction "save_to_store"
End Sub

Private Sub RunXlarAction(ByVal actionName As String)
    Dim code As String
    code = "import xlar.excel; xlar.excel.run('" & actionName & "')"
    On Error GoTo NoPython
    Application.Run "xlwings.xlam!RunPython", code
    Exit Sub
NoPython:
    MsgBox "xlar could not start Python for '" & actionName & "'." & vbCrLf & vbCrLf & _
           "Check that Python with xlar is installed (pip install xlar) and that the " & _
           "xlwings add-in is installed (xlwings addin install)." & vbCrLf & vbCrLf & _
           "Excel said: " & Err.Description, vbExclamation, "xlar"
End Sub
