// Package fileio reads and writes whole files with as few system calls as
// the platform allows. A round has thousands of small files, and on Unix
// os.File sets every file up for the poller, which costs several calls per
// file and does nothing for regular files.
package fileio
