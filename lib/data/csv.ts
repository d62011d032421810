// tn.data.csv: a CSV file streamed row by row through csv-parse (the file is never read whole), TF.js's tf.data.csv
// options. A row that cannot be read (a wrong number of fields, a missing required value, a number that is not one)
// becomes a failed element naming the file, line and row: the iteration stops there, or ignoreErrors() skips it.
import { checkOptionNames } from '../names.js';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { Dataset } from './dataset.js';
import { DataError, Failure, type ElementIterator } from './failure.js';

export interface ColumnConfig {
  /** A row with no value here is an error (unless `default` is given). */
  required?: boolean;
  /** 'float32' and 'int32' parse numbers, 'bool' takes true/false/1/0, 'string' keeps the text. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  /** The value of an empty field. */
  default?: number | boolean | string;
  /** This column goes to `ys` instead of `xs`. */
  isLabel?: boolean;
}

export interface CSVConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names (replace the header's, or name the columns of a file without one). */
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  /** Keep only the columns columnConfigs names. */
  configuredColumnsOnly?: boolean;
  delimiter?: string;
  /** Fields are separated by runs of spaces or tabs. */
  delimWhitespace?: boolean;
}

type Value = number | boolean | string;
export type CSVElement = Record<string, Value> | { xs: Record<string, Value>; ys: Record<string, Value> };

/**
 * The rows of a CSV file as objects keyed by column name; with a column marked isLabel, as { xs, ys } (the label
 * columns in ys), which fit() takes as features and targets. Values are numbers when they parse as numbers, else strings,
 * unless a column's dtype says otherwise.
 */
export function csv(path: string, config: CSVConfig = {}): CSVDataset {
  if (typeof path !== 'string' || path === '') throw new Error(`data.csv: expected a file path, received ${String(path)}`);
  checkOptionNames(config, ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'], 'data.csv');
  for (const [name, c] of Object.entries(config.columnConfigs ?? {})) checkOptionNames(c, ['required', 'dtype', 'default', 'isLabel'], `data.csv: columnConfigs.${name}`);
  const source = path.startsWith('file://') ? path.slice('file://'.length) : path;
  const hasHeader = config.hasHeader ?? true;
  if (!hasHeader && !config.columnNames) throw new Error(`data.csv(${source}): a file without a header needs columnNames`);
  const columnConfigs = config.columnConfigs ?? {};
  if (config.delimiter !== undefined && (typeof config.delimiter !== 'string' || config.delimiter.length === 0)) throw new Error(`data.csv(${source}): delimiter must be a non-empty string`);
  return new CSVDataset(() => rows(source, config, hasHeader, columnConfigs), source, config, hasHeader, columnConfigs);
}

/** tf.data.csv's dataset: a Dataset of the rows, which also tells its column names. */
export class CSVDataset extends Dataset<CSVElement> {
  /** @internal */
  constructor(make: () => ElementIterator<CSVElement>, private readonly path: string, private readonly config: CSVConfig,
    private readonly hasHeader: boolean, private readonly columnConfigs: Record<string, ColumnConfig>) {
    super(make, null);
  }

  /**
   * TF.js's columnNames(): the names of the file's columns, label columns included (the header's, or columnNames),
   * or with configuredColumnsOnly those columnConfigs names. Reads the header line only.
   */
  async columnNames(): Promise<string[]> {
    if (this.config.configuredColumnsOnly) return Object.keys(this.columnConfigs);
    const header = this.hasHeader ? await readHeader(this.path, this.config) : null;
    const given = this.config.columnNames;
    if (given && header && given.length !== header.length) {
      throw new DataError(`data.csv: ${this.path}: columnNames has ${given.length} names, but the header has ${header.length} columns`, this.path, 1);
    }
    return (given ?? header ?? []).slice();
  }
}

/** The first record of the file, trimmed (an empty file has no columns). */
async function readHeader(path: string, config: CSVConfig): Promise<string[]> {
  const stream = createReadStream(path);
  const parser = stream.pipe(parse({ delimiter: config.delimWhitespace ? [' ', '\t'] : config.delimiter ?? ',', relax_column_count: true, skip_empty_lines: true, bom: true, to_line: 1 }));
  stream.on('error', (err) => parser.destroy(err));
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      return (config.delimWhitespace ? record.filter((f) => f !== '') : record).map((f) => f.trim());
    }
    return [];
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`data.csv: no such file: ${path}`, path, undefined, { cause: err });
    throw new DataError(`data.csv: ${path}: ${e.message}`, path, undefined, { cause: err });
  } finally {
    stream.destroy();
  }
}

async function* rows(path: string, config: CSVConfig, hasHeader: boolean, columnConfigs: Record<string, ColumnConfig>): ElementIterator<CSVElement> {
  const stream = createReadStream(path);
  const parser = stream.pipe(parse({ delimiter: config.delimWhitespace ? [' ', '\t'] : config.delimiter ?? ',', relax_column_count: true, skip_empty_lines: true, info: true, bom: true }));
  stream.on('error', (err) => parser.destroy(err));
  let names: string[] | null = hasHeader ? null : config.columnNames!.slice();
  let row = 0;
  const where = (line: number) => `data.csv: ${path}, line ${line}${hasHeader ? ` (row ${row})` : ''}`;
  const checkConfigs = (names: string[]) => {
    for (const c of Object.keys(columnConfigs)) {
      if (!names.includes(c)) throw new DataError(`data.csv: ${path}: columnConfigs names the column '${c}', which the file does not have (its columns: ${names.join(', ')})`, path, 1);
    }
  };
  // Without a header the names are columnNames, checked before the first row as a header's are.
  if (names !== null) checkConfigs(names);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const fields = config.delimWhitespace ? record.filter((f) => f !== '') : record;
      if (names === null) {
        names = config.columnNames ? config.columnNames.slice() : fields.map((f) => f.trim());
        checkConfigs(names);
        if (config.columnNames && config.columnNames.length !== fields.length) {
          throw new DataError(`data.csv: ${path}: columnNames has ${config.columnNames.length} names, but the header has ${fields.length} columns`, path, 1);
        }
        continue;
      }
      row++;
      if (fields.length !== names.length) {
        yield new Failure(new DataError(`${where(info.lines)}: expected ${names.length} fields (${names.join(', ')}), found ${fields.length}`, path, row));
        continue;
      }
      try {
        yield toElement(names, fields, columnConfigs, config.configuredColumnsOnly ?? false, (message) => new DataError(`${where(info.lines)}: ${message}`, path, row));
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        yield new Failure(err);
      }
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`data.csv: no such file: ${path}`, path, undefined, { cause: err });
    throw new DataError(`data.csv: ${path}: ${e.message}`, path, undefined, { cause: err });
  } finally {
    stream.destroy();
  }
  return undefined;
}

function toElement(names: string[], fields: string[], configs: Record<string, ColumnConfig>, configuredOnly: boolean, fail: (message: string) => DataError): CSVElement {
  const xs: Record<string, Value> = {};
  const ys: Record<string, Value> = {};
  let labels = false;
  names.forEach((name, i) => {
    const c = configs[name];
    if (configuredOnly && !c) return;
    const raw = fields[i].trim();
    let value: Value;
    if (raw === '') {
      if (c?.default !== undefined) value = c.default;
      else throw fail(`column '${name}' is empty${c?.required ? ' and required' : ''} (give it a default in columnConfigs, or skip such rows with ignoreErrors())`);
    } else {
      const dtype = c?.dtype;
      if (dtype === 'string') value = raw;
      else if (dtype === 'bool') {
        const l = raw.toLowerCase();
        if (l === 'true' || l === '1') value = true;
        else if (l === 'false' || l === '0') value = false;
        else throw fail(`column '${name}' is a bool column, but holds ${JSON.stringify(raw)}`);
      } else {
        const n = Number(raw);
        if (Number.isNaN(n) && raw.toLowerCase() !== 'nan') {
          if (dtype) throw fail(`column '${name}' is a ${dtype} column, but holds ${JSON.stringify(raw)}`);
          value = raw;
        } else value = dtype === 'int32' ? Math.trunc(n) : n;
      }
    }
    if (c?.isLabel) {
      labels = true;
      ys[name] = value;
    } else xs[name] = value;
  });
  return labels ? { xs, ys } : xs;
}
