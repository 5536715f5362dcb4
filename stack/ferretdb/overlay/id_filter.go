//go:build ferretdb_overlay

// This file is added to FerretDB's internal/backends/sqlite package at build
// time (go build -overlay, see stack/ferretdb-overlay.ts); it is not part of
// this module's own build.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushedIDs keeps an IN list well inside SQLite's limit on bound parameters (32,766).
const maxPushedIDs = 10_000

// idWhereClause returns the WHERE clause that narrows a query to the documents a
// filter's `_id` condition can match, through the id index (id_index.go):
// `_id` equal to a string or ObjectID (bare or `$eq`), or `$in` a list of them.
// MongoDB serves all of these with its `_id` index; FerretDB v1.24.2 pushes
// down only the first, and only when `_id` is the filter's one key, so any
// other filter on `_id` reads the whole table. The handler still applies the
// whole filter to every document returned, so the clause only has to keep
// every match: other keys of the filter are left to it. Any other `_id`
// condition (numbers, ranges, regular expressions) is not pushed down.
func idWhereClause(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	v, err := filter.Get("_id")
	if err != nil {
		return "", nil
	}

	if cond, ok := v.(*types.Document); ok {
		if cond.Len() != 1 {
			return "", nil
		}

		switch op := cond.Keys()[0]; op {
		case "$eq":
			v = must.NotFail(cond.Get(op))
		case "$in":
			list, ok := must.NotFail(cond.Get(op)).(*types.Array)
			if !ok {
				return "", nil
			}

			return idListClause(list)
		default:
			return "", nil
		}
	}

	if !pushableID(v) {
		return "", nil
	}

	return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
}

// idListClause is the clause of an `$in` list: nothing matches an empty one.
func idListClause(list *types.Array) (string, []any) {
	if list.Len() == 0 {
		return ` WHERE 0`, nil
	}

	if list.Len() > maxPushedIDs {
		return "", nil
	}

	args := make([]any, 0, list.Len())

	for i := 0; i < list.Len(); i++ {
		id := must.NotFail(list.Get(i))
		if !pushableID(id) {
			return "", nil
		}

		args = append(args, string(must.NotFail(sjson.MarshalSingleValue(id))))
	}

	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, placeholders), args
}

// pushableID tells the `_id` values whose stored form is their only form: a
// number may equal another of a different type, which the index would miss.
func pushableID(v any) bool {
	switch v.(type) {
	case string, types.ObjectID:
		return true
	default:
		return false
	}
}
