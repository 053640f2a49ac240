/**
 * An error in what the user gave ktg (a graph spec, a search space, a job, study settings, training
 * options, a dataset that cannot be found): its message says what is wrong and where. Printed in a
 * notebook (tslab prints a cell's error with `console.error`) it shows the message alone, not a
 * Node stack through dist/ — set KTG_DEBUG=1 to see the stack.
 */
import { inspect } from 'util';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  [inspect.custom](): string {
    return process.env.KTG_DEBUG ? (this.stack ?? `${this.name}: ${this.message}`) : `${this.name}: ${this.message}`;
  }
}
