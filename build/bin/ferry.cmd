@echo off
rem The `ferry` command of the installed Ferry app (Windows): runs Ferry.exe as the command
rem line in this console, without a window. "Install the ferry command" in Ferry's tray menu
rem puts this folder on your PATH.
"%~dp0..\..\Ferry.exe" %*
exit /b %ERRORLEVEL%
