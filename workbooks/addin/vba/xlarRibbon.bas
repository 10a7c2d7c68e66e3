Attribute VB_Name = "xlarRibbon"
' The runner of the xlar add-in's ribbon callbacks.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub RunXlarAction(ByVal actionName As String, Optional ByVal options As String = "")
    Dim code As String
    code = "import xlar.excel; xlar.excel.run('" & actionName & "'" & options & ")"
    On Error GoTo NoPython
    Application.Run "xlwings.xlam!RunPython", code
    Exit Sub
NoPython:
    MsgBox "xlar could not start Python for '" & actionName & "'." & vbCrLf & vbCrLf & _
           "Check that Python with xlar is installed (pip install xlar) and that the " & _
           "xlwings add-in is installed (xlwings addin install)." & vbCrLf & vbCrLf & _
           "Excel said: " & Err.Description, vbExclamation, "xlar"
End Sub

Public Function PyText(ByVal text As String) As String
    ' A Python string literal: backslashes and quotes doubled/escaped.
    PyText = "'" & Replace(Replace(text, "\", "\\"), "'", "\'") & "'"
End Function
