package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Tree follows the processes a command started: its leader, everything in
// the leader's process group and every descendant. It remembers each member
// it has seen, so a process that has ended by the time NVML's accounting
// names it is still known. Linux only (it reads /proc).
type Tree struct {
	leader int
	procfs string

	mu   sync.Mutex
	seen map[uint32]bool
}

// NewTree follows the process leader (which leads its own process group).
func NewTree(leader int) *Tree {
	return &Tree{leader: leader, procfs: "/proc", seen: map[uint32]bool{uint32(leader): true}}
}

// Refresh scans /proc for new members.
func (t *Tree) Refresh() {
	ents, err := os.ReadDir(t.procfs)
	if err != nil {
		return
	}
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, pgid, ok := t.stat(pid)
		if !ok {
			continue
		}
		parent[pid] = ppid
		if pgid == t.leader {
			t.add(pid)
		}
	}
	for pid := range parent {
		for p, hops := pid, 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if p == t.leader || t.Has(uint32(p)) {
				t.add(pid)
				break
			}
		}
	}
}

func (t *Tree) add(pid int) {
	t.mu.Lock()
	t.seen[uint32(pid)] = true
	t.mu.Unlock()
}

// Has reports whether pid is, or was, a member.
func (t *Tree) Has(pid uint32) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen[pid]
}

// PIDs lists every member seen, in order.
func (t *Tree) PIDs() []uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]uint32, 0, len(t.seen))
	for p := range t.seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// stat reads a process's parent and process group from /proc/PID/stat.
func (t *Tree) stat(pid int) (ppid, pgid int, ok bool) {
	b, err := os.ReadFile(filepath.Join(t.procfs, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	return ppid, pgid, err1 == nil && err2 == nil
}

// Use is a process of the tree found on a device.
type Use struct {
	PID    uint32
	Device Info
	How    string // "running" or "accounted"
}

func (u Use) String() string {
	return fmt.Sprintf("process %d used device %d (%s, %s) [%s]", u.PID, u.Device.Index, u.Device.Name, u.Device.UUID, u.How)
}

// Uses lists the tree's processes on each device: those running on it now,
// and those its accounting recorded when accounting mode is on. accounting
// tells, per device UUID, whether accounting was on.
func Uses(devs []Device, t *Tree) (uses []Use, accounting map[string]bool, err error) {
	accounting = map[string]bool{}
	for _, d := range devs {
		in := d.Info()
		ps, perr := d.Processes()
		if perr != nil {
			err = perr
		}
		for _, p := range ps {
			if t.Has(p.PID) {
				uses = append(uses, Use{PID: p.PID, Device: in, How: "running"})
			}
		}
		pids, on, aerr := d.Accounted()
		if aerr != nil {
			err = aerr
		}
		accounting[in.UUID] = on
		for _, p := range pids {
			if t.Has(p) {
				uses = append(uses, Use{PID: p, Device: in, How: "accounted"})
			}
		}
	}
	return uses, accounting, err
}

// Devices opens every device of a host, in index order.
func Devices(h Host) ([]Device, error) {
	sys, err := h.System()
	if err != nil {
		return nil, err
	}
	out := make([]Device, 0, len(sys.Devices))
	for _, in := range sys.Devices {
		d, err := h.Device(strconv.Itoa(in.Index))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
