package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Local is a Store in a folder of the local file system.
type Local struct {
	root string
}

var _ Store = (*Local)(nil)

// NewLocal returns a Store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", dir, err)
	}
	return &Local{root: dir}, nil
}

// Root is the folder the store writes to.
func (l *Local) Root() string { return l.root }

// Path is the file path of key.
func (l *Local) Path(key string) string { return filepath.Join(l.root, filepath.FromSlash(key)) }

// tmpPrefix starts the name of a file Put is writing. List never returns
// such a file, so one left by a crash is never read as a sample part (the
// DuckDB engine reads the files List gives, and no glob).
const tmpPrefix = ".tmp-"

// Put writes data atomically: the data goes to a temporary file in the
// key's folder, is synced, and the file is renamed over the key, so a
// reader never sees half a file and a crash (kill -9, a full disk, power)
// leaves either the old content or the new. Concurrent Puts of one key
// leave one of them whole. Key names whose last element starts with
// ".tmp-" are refused, being reserved for those temporary files.
func (l *Local) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if strings.HasPrefix(path.Base(key), tmpPrefix) {
		return fmt.Errorf("store: bad key %q: %s names are reserved for files being written", key, tmpPrefix)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	if err := writeAtomic(l.Path(key), data); err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	return nil
}

// writeAtomic writes data to p by way of a synced temporary file renamed
// over p, then syncs the folder so that the rename itself survives a
// crash of the machine, not only of the process.
func writeAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp makes 0600; samples are for reading
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Some systems cannot sync a
// folder; there the rename stands unsynced.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// Get reads a key; a missing key gives ErrNotFound.
func (l *Local) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(l.Path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: get %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", key, err)
	}
	return b, nil
}

// List returns the keys that start with prefix, sorted.
func (l *Local) List(ctx context.Context, prefix string) ([]string, error) {
	// Walk from the deepest folder the prefix names, then filter.
	dir := prefix
	if i := strings.LastIndex(dir, "/"); i >= 0 {
		dir = dir[:i]
	} else {
		dir = ""
	}
	var keys []string
	start := filepath.Join(l.root, filepath.FromSlash(dir))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil // a folder, or a file being written (or left by a crash)
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", prefix, err)
	}
	sort.Strings(keys)
	return keys, nil
}

// Delete removes a key; a missing key is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := os.Remove(l.Path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: delete %s: %w", key, err)
	}
	return nil
}
