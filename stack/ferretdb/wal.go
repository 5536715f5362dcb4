package main

import (
	"context"
	"log"
	"os"
)

// SQLite's own checkpoints (PASSIVE, after each commit that passes 1,000
// pages) never wait for readers, and FerretDB under steady load nearly always
// has one: the WAL is then never restarted and grows without bound (2.2 GB
// here while filling 40,000 datasets), and every read searches a larger WAL.
//
// truncateLargeWAL first copies the WAL into the database without locking
// anyone out (PASSIVE), then tries to empty it (TRUNCATE) without waiting:
// TRUNCATE holds the write lock, and FerretDB's updates (a read, then a write,
// in one deferred transaction) fail at once with SQLITE_BUSY while anyone
// holds it — a TRUNCATE that waited for readers made a bulk registration
// fail with a 500. When a reader of an older snapshot is still there, the
// next tick (half a second later) tries again.
func (w *watchedDB) truncateLargeWAL(ctx context.Context, file string, limit int64) {
	info, err := os.Stat(file + "-wal")
	if err != nil || info.Size() <= limit {
		return
	}
	var busy, frames, copied int64
	if err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	if _, err = w.db.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	defer w.db.ExecContext(ctx, `PRAGMA busy_timeout = 5000`) //nolint:errcheck // the next statement reports a broken connection
	if err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	if busy == 0 {
		log.Printf("wal: %s: truncated at %d MB", file, info.Size()>>20)
	}
}
