Attribute VB_Name = "xlarNotes"
' Callbacks of the AR tab's Notes group.  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit

Public Sub OnSaveToStore(control As IRibbonControl)
    RunXlarAction "save_to_store"
End Sub
