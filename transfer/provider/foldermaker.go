package provider

// FolderMaker is the optional capability of a provider whose uploads into
// a folder not made (or not looked up) yet wait for one of them to make
// it: files.ro lets only the first commit into a new folder go, since the
// server's lookup-then-create would make it twice; Quatrix shares one
// lookup and makedir among the uploads into a folder. The waiting uploads
// hold their slots. The engine asks FolderToMake before it claims a job,
// and passes over a job whose folder another job of the target in flight
// will make, for one that need not wait (at most queue.PassOverLimit jobs
// on).
type FolderMaker interface {
	// FolderToMake names the first folder of dir this provider has not
	// seen made, "" when every folder of dir is known to exist. Two dirs
	// with the same answer wait for each other's first commit. It is
	// quick and safe for concurrent use; it sends nothing.
	FolderToMake(dir []string) string
}
