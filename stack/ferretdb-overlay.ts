/**
 * FerretDB v1.24.2's SQLite backend looks a document up through the id index (stack/ferretdb/id_index.go)
 * only when `_id` equals a string or ObjectID and is the filter's one key; any other filter on `_id` — an
 * `$in` list, `$eq`, or `_id` beside other keys — reads the whole table, where MongoDB uses its `_id` index.
 * The build adds stack/ferretdb/overlay/id_filter.go to that package and points the backend's query (and
 * its explain) at it, in a copy of the module the build uses instead: the proxy's module stays as it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './processes';
import { FERRETDB_MODULE, StackError } from './settings';

/** The Go build tag of the overlay's own file, so that this module's build never compiles it alone. */
export const OVERLAY_TAG = 'ferretdb_overlay';
export const OVERLAY_SOURCES = [path.join(FERRETDB_MODULE, 'overlay', 'id_filter.go'), __filename];

const QUERY_WHERE = `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`;
const EXPLAIN_WHERE = `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`;
const PATCHES: [string, string][] = [
  [QUERY_WHERE, '\twhereClause, args = idWhereClause(params.Filter)\n'],
  [EXPLAIN_WHERE, '\twhereClause, args = idWhereClause(params.Filter)\n\tfilterPushdown = whereClause != ""\n'],
];

/**
 * Copies FerretDB's module into `buildDir`, patched, and returns the `go build` arguments that build
 * against the copy: a go.mod beside it that replaces the module with it (GOMODCACHE is read-only, and
 * `go build -overlay` refuses files in it).
 */
export async function overlayBuildArgs(buildDir: string): Promise<string[]> {
  const download = await runCommand('go', ['mod', 'download', '-json', 'github.com/FerretDB/FerretDB'], FERRETDB_MODULE);
  const moduleDir = download.code === 0 ? (JSON.parse(download.output) as { Dir?: string }).Dir : undefined;
  if (!moduleDir) throw new StackError(`could not locate FerretDB's module source:\n${download.output.trim()}`);
  const copy = path.join(buildDir, 'FerretDB');
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(moduleDir, copy, { recursive: true });
  const packageDir = path.join(copy, 'internal', 'backends', 'sqlite');
  const collectionFile = path.join(packageDir, 'collection.go');
  let collection = fs.readFileSync(collectionFile, 'utf8');
  for (const [upstream, patched] of PATCHES) {
    if (collection.split(upstream).length !== 2) {
      throw new StackError(
        `FerretDB's ${path.join(moduleDir, 'internal/backends/sqlite/collection.go')} is not the one stack/ferretdb-overlay.ts patches`,
      );
    }
    collection = collection.replace(upstream, patched);
  }
  // The module cache's files are read-only, and so are their copies.
  fs.rmSync(collectionFile);
  fs.writeFileSync(collectionFile, collection);
  fs.copyFileSync(OVERLAY_SOURCES[0], path.join(packageDir, 'id_filter.go'));
  const modFile = path.join(buildDir, 'go.mod');
  const goMod = fs.readFileSync(path.join(FERRETDB_MODULE, 'go.mod'), 'utf8');
  fs.writeFileSync(modFile, `${goMod}\nreplace github.com/FerretDB/FerretDB => ${copy}\n`);
  fs.copyFileSync(path.join(FERRETDB_MODULE, 'go.sum'), path.join(buildDir, 'go.sum'));
  return ['-tags', OVERLAY_TAG, `-modfile=${modFile}`];
}
