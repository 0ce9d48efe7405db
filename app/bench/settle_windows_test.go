package bench

// syncDisk does nothing on Windows, which has no sync(2) for a whole
// machine (flushing a volume needs an administrator). The benchmarks are
// published from Linux runs; this keeps the package building elsewhere.
func syncDisk() {}
