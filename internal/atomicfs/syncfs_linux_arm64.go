package atomicfs

import "syscall"

const sysSyncfs = syscall.SYS_SYNCFS
