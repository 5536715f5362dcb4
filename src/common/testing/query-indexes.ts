import 'reflect-metadata';
import { Schema } from 'mongoose';

/**
 * The machinery of src/repository-indexes.spec.ts: repositories built over
 * recording models, every method called, and the filters and sorts they
 * issued judged against the schemas' indexes.
 */

export type Repository = new (...models: never[]) => object;
type Query = { where: string; filter: Record<string, unknown>; sort?: Record<string, unknown> };
export type IssuedQuery = Query & { schema: Schema };

/** A model that records the filter and sort of every query and answers as an empty collection would. */
function recordingModel(modelName: string, queries: Query[], where: () => string): unknown {
  const answers: Record<string, unknown> = {
    find: [],
    findOne: null,
    findById: null,
    findOneAndUpdate: null,
    countDocuments: 0,
    updateOne: { matchedCount: 0, modifiedCount: 0 },
    updateMany: { matchedCount: 0, modifiedCount: 0 },
    deleteOne: { deletedCount: 0 },
    deleteMany: { deletedCount: 0 },
  };
  const chain = (query: Query, answer: unknown): unknown => {
    const self: Record<string, unknown> = {
      sort: (sort: Record<string, unknown>) => ((query.sort = sort), self),
      limit: () => self,
      skip: () => self,
      select: () => self,
      lean: () => self,
      exec: async () => answer,
      then: (resolve: (value: unknown) => unknown, reject: (error: unknown) => unknown) => Promise.resolve(answer).then(resolve, reject),
    };
    return self;
  };
  const model: Record<string, unknown> = {
    collection: {
      name: modelName,
      insertOne: async () => ({ acknowledged: true }),
      insertMany: async () => ({ acknowledged: true }),
      // A read straight through the driver is a query too (findOneById).
      findOne: async (filter: Record<string, unknown>) => {
        queries.push({ where: where(), filter });
        return null;
      },
    },
    // A pipeline is judged by its leading `$match` (none: the whole collection).
    aggregate: (pipeline: Record<string, unknown>[]) => {
      const query: Query = { where: where(), filter: (pipeline[0]?.$match ?? {}) as Record<string, unknown> };
      queries.push(query);
      return chain(query, []);
    },
    bulkWrite: async (operations: Record<string, { filter: Record<string, unknown> }>[]) => {
      for (const operation of operations) for (const { filter } of Object.values(operation)) queries.push({ where: where(), filter });
      return {};
    },
  };
  for (const [method, answer] of Object.entries(answers)) {
    model[method] = (filter: unknown) => {
      const query: Query = {
        where: where(),
        filter: method === 'findById' ? { _id: filter } : ((filter ?? {}) as Record<string, unknown>),
      };
      queries.push(query);
      return chain(query, answer);
    };
  }
  return model;
}

/** The parameters of a method as written (names, or a destructuring pattern). */
function parameterNames(method: (...args: unknown[]) => unknown): string[] {
  const source = method.toString();
  const open = source.indexOf('(');
  let depth = 0;
  let current = '';
  const names: string[] = [];
  for (const char of source.slice(open + 1)) {
    if (char === '(' || char === '{' || char === '[') depth++;
    if (char === ')' && depth === 0) break;
    if (char === ')' || char === '}' || char === ']') depth--;
    if (char === ',' && depth === 0) {
      names.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) names.push(current.trim());
  return names.map((name) => name.replace(/\s*=.*$/s, '').replace(/\s+/g, ' '));
}

/** Calls every method of every repository; returns the queries they issued and the methods that cannot be called. */
export async function issuedQueries(
  repositories: Repository[],
  schemas: Record<string, Schema>,
  ARGUMENTS: Record<string, unknown>,
  VARIANTS: Record<string, unknown[][]> = {},
): Promise<{ queries: IssuedQuery[]; uncallable: string[] }> {
  const queries: IssuedQuery[] = [];
  const uncallable: string[] = [];
  for (const Repo of repositories) {
    const injected = (Reflect.getMetadata('self:paramtypes', Repo) ?? []) as { index: number; param: string }[];
    let where = '';
    const models = injected
      .sort((a, b) => a.index - b.index)
      .map(({ param }) => {
        const modelName = param.replace(/Model$/, '');
        const recorded: Query[] = [];
        const model = recordingModel(modelName, recorded, () => where);
        const schema = schemas[modelName];
        return { model, recorded, schema };
      });
    const repository = new Repo(...(models.map(({ model }) => model) as never[])) as Record<string, (...args: unknown[]) => unknown>;
    for (let prototype = Object.getPrototypeOf(repository); prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
        if (name === 'constructor' || typeof descriptor?.value !== 'function') continue;
        where = `${Repo.name}.${name}`;
        const params = parameterNames(descriptor.value as (...args: unknown[]) => unknown);
        const unknownParam = params.find((param) => !(param in ARGUMENTS));
        if (unknownParam && !VARIANTS[where]) {
          uncallable.push(`${where}(${unknownParam})`);
          continue;
        }
        for (const args of VARIANTS[where] ?? [params.map((param) => ARGUMENTS[param])]) {
          // What a method does with an empty collection's answers does not matter here, only what it asked.
          await (async () => repository[name](...args))().catch(() => undefined);
        }
      }
    }
    for (const { recorded, schema } of models) queries.push(...recorded.map((query) => ({ ...query, schema })));
  }
  return { queries, uncallable };
}

/** The fields a filter selects on, per alternative: a conjunction is served if one of its fields leads an index. */
function isServed(filter: Record<string, unknown>, leading: Set<string>): boolean {
  return Object.entries(filter).some(([key, value]) => {
    if (key === '$and') return (value as Record<string, unknown>[]).some((part) => isServed(part, leading));
    if (key === '$or') return (value as Record<string, unknown>[]).every((branch) => isServed(branch, leading));
    return leading.has(key);
  });
}

/** A sort is served when an index continues, after fields the filter names, with the sort's first field. */
function sortServed(sort: Record<string, unknown>, filter: Record<string, unknown>, indexes: string[][]): boolean {
  const [first] = Object.keys(sort);
  if (first === undefined || first === '_id') return true;
  const named = JSON.stringify(filter);
  return indexes.some((keys) => keys.find((key) => key === first || !named.includes(`"${key}"`)) === first);
}

/** Whether a filter selects on nothing (`{}`, `{ $and: [{}] }`): then only a sort along an index serves it. */
function selectsNothing(filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, value]) => key === '$and' && (value as Record<string, unknown>[]).every(selectsNothing));
}

/** What no index serves, as messages; `allowed` names the whole-collection reads made on purpose. */
export function unindexed(queries: IssuedQuery[], allowed: Record<string, string> = {}): string[] {
  return queries.flatMap(({ where, filter, sort, schema }) => {
    if (allowed[where]) return [];
    const indexes = [['_id'], ...schema.indexes().map(([keys]) => Object.keys(keys))];
    const leading = new Set(indexes.map(([first]) => first));
    const problems: string[] = [];
    const servedBySort = selectsNothing(filter) && sort !== undefined && leading.has(Object.keys(sort)[0]);
    if (!servedBySort && !isServed(filter, leading)) problems.push(`${where}: no index for the filter ${JSON.stringify(filter)}`);
    if (sort && !sortServed(sort, filter, indexes)) problems.push(`${where}: no index for the sort ${JSON.stringify(sort)}`);
    return problems;
  });
}
