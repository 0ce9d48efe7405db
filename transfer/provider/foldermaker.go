package provider

// FolderMaker is the optional capability of a provider whose server makes
// the missing folders of an upload's Dir itself, and which lets only one
// upload at a time commit into a folder not yet made (files.ro: the
// server's lookup-then-create would make the folder twice). The other
// uploads into that folder wait for the first one's answer, holding their
// slots. The engine asks FolderToMake before it claims a job, and passes
// over a job whose folder another job of the target in flight will make,
// for one that need not wait (at most queue.PassOverLimit jobs on).
type FolderMaker interface {
	// FolderToMake names the first folder of dir this provider has not
	// seen made, "" when every folder of dir is known to exist. Two dirs
	// with the same answer wait for each other's first commit. It is
	// quick and safe for concurrent use; it sends nothing.
	FolderToMake(dir []string) string
}
