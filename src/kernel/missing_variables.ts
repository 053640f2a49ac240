/**
 * In a tslab notebook, a variable whose defining cell failed is named when a later cell uses it.
 *
 * tslab compiles each cell to CommonJS: the cell starts with `exports.__esModule`, then one statement
 * setting every name it declares to undefined (`exports.b = exports.a = void 0`), then the cell's
 * code, which assigns each name once computed; later cells read `exports.name`. A cell that throws
 * leaves the names it had not assigned yet undefined — and a later cell then fails far away
 * (`Cannot read properties of undefined (reading 'edges')` inside ktg). This guard wraps the
 * kernel's `exports`: names set to undefined by a cell's opening statement and not assigned since
 * are missing, and reading one throws a message that names it and says what to do.
 */
import { InputError } from '../input_error';

export class MissingVariableError extends InputError {}

const GUARD = Symbol.for('ktg.missingVariableGuard');

interface TslabGlobal {
  __tslab__?: { exports: object; require: unknown };
}

/** the guard over one `exports` object */
function guardExports(inner: object): object {
  const missing = new Set<string>();
  // a cell's opening statement: undefined written once per name before anything is read or assigned
  let opening = false;
  const opened = new Set<string>();
  const written = (name: string, value: unknown) => {
    if (opening && value === undefined && !opened.has(name)) {
      opened.add(name);
      missing.add(name);
      return;
    }
    opening = false;
    missing.delete(name);
  };
  return new Proxy(inner, {
    defineProperty(target, prop, attributes) {
      if (prop === '__esModule') {
        opening = true;
        opened.clear();
      } else if (typeof prop === 'string') written(prop, attributes.get ? attributes.get() : attributes.value);
      return Reflect.defineProperty(target, prop, attributes);
    },
    set(target, prop, value) {
      if (typeof prop === 'string') written(prop, value);
      return Reflect.set(target, prop, value);
    },
    get(target, prop) {
      if (prop === GUARD) return true;
      opening = false;
      if (typeof prop === 'string' && missing.has(prop))
        throw new MissingVariableError(
          `"${prop}" is not defined: the cell that defines it stopped with an error before assigning it. Fix that cell and run it again, then this one.`,
        );
      return Reflect.get(target, prop);
    },
  });
}

/** Installs the guard in the running tslab kernel (once); false when this is not one. */
export function guardNotebookVariables(): boolean {
  const tslab = (globalThis as TslabGlobal).__tslab__;
  if (!tslab || typeof tslab.exports !== 'object') return false;
  if ((tslab.exports as Record<symbol, unknown>)[GUARD]) return true;
  tslab.exports = guardExports(tslab.exports);
  return true;
}
