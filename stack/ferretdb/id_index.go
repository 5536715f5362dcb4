package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"
)

// FerretDB v1.24.2 looks documents up by `_id` with the SQL expression
// `_ferretdb_sjson->'$._id'`, but indexes `_id` as `_ferretdb_sjson->"_id"`.
// SQLite uses an expression index only for the identical expression, so every
// lookup by id scans the whole table (20,000 documents: ~30 ms instead of
// ~0.1 ms). indexIDLookups adds the index FerretDB's queries can use to every
// collection table, as collections appear. FerretDB neither sees nor needs it:
// its own index metadata is untouched, and DROP TABLE drops it too.
// maintainDatabases does that, and bounds each database's WAL (see wal.go).
func maintainDatabases(ctx context.Context, dataDir string, walLimit int64) {
	watched := map[string]*watchedDB{}
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()

	for {
		files, _ := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
		present := map[string]bool{}
		for _, file := range files {
			info, err := os.Stat(file)
			if err != nil {
				continue
			}
			present[file] = true
			w, ok := watched[file]
			if ok && !os.SameFile(w.info, info) {
				// The database was dropped and created again under the same name.
				w.db.Close()
				ok = false
			}
			if !ok {
				db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(5000)")
				if err != nil {
					continue
				}
				db.SetMaxOpenConns(1)
				w = &watchedDB{db: db, info: info, schemaVersion: -1}
				watched[file] = w
			}
			if err := w.index(ctx); err != nil {
				log.Printf("id index: %s: %v", filepath.Base(file), err)
			}
			w.truncateLargeWAL(ctx, file, walLimit)
		}
		for file, w := range watched {
			if !present[file] {
				w.db.Close()
				delete(watched, file)
			}
		}

		select {
		case <-ctx.Done():
			for _, w := range watched {
				w.db.Close()
			}
			return
		case <-ticker.C:
		}
	}
}

// watchedDB is one database file; its schema version tells when tables came or went.
type watchedDB struct {
	db            *sql.DB
	info          os.FileInfo
	schemaVersion int64
	nextTruncate  time.Time
	busyTruncates int
}

// index adds the lookup index to the tables that lack it, when the schema changed since last time.
func (w *watchedDB) index(ctx context.Context) error {
	var version int64
	if err := w.db.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
		return err
	}
	if version == w.schemaVersion {
		return nil
	}

	rows, err := w.db.QueryContext(ctx, `
		SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '_id_lookup')`)
	if err != nil {
		return nil // a database FerretDB has not initialised yet
	}

	var tables []string
	for rows.Next() {
		var table string
		if err = rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_id_lookup", table)
		if _, err = w.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}

	// Read again: creating the indexes changed it too.
	return w.db.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&w.schemaVersion)
}
