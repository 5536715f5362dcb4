package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
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
func indexIDLookups(ctx context.Context, dataDir string) {
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()

	for {
		files, _ := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
		for _, file := range files {
			if err := indexDatabase(ctx, file); err != nil {
				log.Printf("id index: %s: %v", filepath.Base(file), err)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// indexDatabase adds the lookup index to the tables of one database that lack it.
func indexDatabase(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, `
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
		if _, err = db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}

	return nil
}
