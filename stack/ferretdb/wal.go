package main

import (
	"context"
	"log"
	"os"
	"time"
)

// SQLite's own checkpoints (PASSIVE, after each commit that passes 1,000
// pages) never wait for readers, and FerretDB under steady load always has
// one: the WAL is then never restarted and grows without bound (2.2 GB here
// while filling 40,000 datasets), and every read searches a larger WAL.
// TRUNCATE blocks new writers, waits up to the busy timeout for the readers
// of older snapshots, copies every frame into the database and empties the
// file. A busy answer is no error: the next tick tries again.
func (w *watchedDB) truncateLargeWAL(ctx context.Context, file string, limit int64) {
	info, err := os.Stat(file + "-wal")
	if err != nil || info.Size() <= limit {
		return
	}
	started := time.Now()
	var busy, frames, copied int64
	if err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	if after, statErr := os.Stat(file + "-wal"); statErr == nil {
		log.Printf("wal: %s: %d MB -> %d MB in %s (busy %d, frames %d, copied %d)",
			file, info.Size()>>20, after.Size()>>20, time.Since(started).Round(time.Millisecond), busy, frames, copied)
	}
}
