Attribute VB_Name = "xlarLetters"
' Callbacks of the AR tab's Letters group.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub OnPreviewLetters(control As IRibbonControl)
    RunXlarAction "preview_letters"
End Sub

Public Sub OnProduceLetters(control As IRibbonControl)
    RunXlarAction "produce_letters"
End Sub

Public Sub OnSendLetters(control As IRibbonControl)
    RunXlarAction "send_letters"
End Sub

Public Sub OnSendLettersNow(control As IRibbonControl)
    RunXlarAction "send_letters_now"
End Sub
