// Command ferretdb runs FerretDB v1 with its SQLite backend on loopback.
//
// The upstream `go install .../cmd/ferretdb` binary panics at start (its
// version file is not part of the module), so we embed the library instead.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27018", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "directory that holds the SQLite databases (must exist)")
	walLimitMB := flag.Int64("wal-limit-mb", 64, "truncate a database's WAL once it is larger than this")
	flag.Parse()

	if *dataDir == "" {
		log.Fatal("-data-dir is required")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// WAL with synchronous=NORMAL: a commit is durable against a crash of
	// this process (what the local stack needs) but not of the machine, and
	// costs no fsync: about 15x more commits per second than FULL.
	// Transactions begin IMMEDIATE: FerretDB applies an update as a read and
	// then a write in one transaction, and a deferred one fails at once with
	// SQLITE_BUSY when another writer (or wal.go's checkpoint) got the write
	// lock between the two; an immediate one waits for the lock (busy_timeout).
	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/?_pragma=synchronous(normal)&_txlock=immediate",
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	go maintainDatabases(ctx, *dataDir, *walLimitMB<<20)

	log.Printf("FerretDB listening on %s, data in %s", *listen, *dataDir)
	db.Run(ctx)
	log.Print("FerretDB stopped")
}
