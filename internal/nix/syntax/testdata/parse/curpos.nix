# __curPos is a position, shown as __curPos.
[ __curPos (let __curPos = 1; in __curPos) ]
