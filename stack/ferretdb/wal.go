package main

import (
	"context"
	"log"
	"os"
	"strconv"
	"time"
)

// SQLite's own checkpoints (PASSIVE, after each commit that passes 1,000
// pages) never wait for readers, and under steady load some reader always
// overlaps the last: the WAL is then never restarted and grows without bound
// (2.2 GB while filling 40,000 datasets), and every read searches a larger
// WAL — which makes reads longer and the overlap surer.
//
// truncateLargeWAL copies the WAL into the database without blocking anyone
// (PASSIVE), then empties it with a TRUNCATE that waits up to truncateWait
// for the readers of older snapshots to finish, tried again truncateBackoff
// later while one is still there. While it waits it holds the write lock:
// FerretDB's writers wait for it (their transactions begin IMMEDIATE, see
// main.go) instead of failing with SQLITE_BUSY, and new readers read the
// database file, so they do not hold it up. The wait stays short because one
// reader waits for the writer lock itself — FerretDB's update keeps its read
// of the documents open while it writes — so a longer wait only pauses the
// writers longer (a 4 s wait made a lock renewal miss its lease). What keeps
// the WAL short is that no reader runs for long: background sweeps keep to a
// small share of the time (src/common/scheduling/run-every.ts).
const (
	truncateWait    = 250 * time.Millisecond
	truncateBackoff = 2 * time.Second
)

func (w *watchedDB) truncateLargeWAL(ctx context.Context, file string, limit int64) {
	info, err := os.Stat(file + "-wal")
	if err != nil || info.Size() <= limit || time.Now().Before(w.nextTruncate) {
		return
	}
	var busy, frames, copied int64
	if err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	// One connection (SetMaxOpenConns(1)): the pragma applies to the checkpoint below.
	if _, err = w.db.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(truncateWait.Milliseconds(), 10)); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	defer w.db.ExecContext(ctx, `PRAGMA busy_timeout = 5000`) //nolint:errcheck // the next statement reports a broken connection
	started := time.Now()
	if err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil {
		log.Printf("wal: %s: %v", file, err)
		return
	}
	if busy != 0 {
		w.nextTruncate = time.Now().Add(truncateBackoff)
		w.busyTruncates++
		if w.busyTruncates%10 == 0 {
			log.Printf("wal: %s: %d MB; %d tries found readers of older snapshots", file, info.Size()>>20, w.busyTruncates)
		}
		return
	}
	log.Printf("wal: %s: truncated at %d MB in %d ms (%d busy attempts before)", file, info.Size()>>20, time.Since(started).Milliseconds(), w.busyTruncates)
	w.busyTruncates = 0
}
