package atomicfs

// sysSyncfs is syncfs(2) on linux/amd64 (the syscall package's table
// predates it).
const sysSyncfs = 306
