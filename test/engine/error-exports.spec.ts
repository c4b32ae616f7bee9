import * as root from '../../src';
import * as coreErrors from '../../src/core/errors';
import * as storeErrors from '../../src/core/store/store-errors';
import { MissingPeerDependencyError } from '../../src/peers/missing-peer-dependency.error';

describe('the error family', () => {
  const classes = [
    ...Object.values(coreErrors),
    ...Object.values(storeErrors),
    MissingPeerDependencyError,
  ] as unknown[];
  const isClass = (value: unknown): value is abstract new (...args: never[]) => Error =>
    typeof value === 'function';

  it('has every class derive from DurableWorkflowError and exported from the package root', () => {
    for (const errorClass of classes.filter(isClass)) {
      expect(
        errorClass === root.DurableWorkflowError ||
          errorClass.prototype instanceof root.DurableWorkflowError,
      ).toBe(true);
      expect(root[errorClass.name as keyof typeof root]).toBe(errorClass);
    }
  });
});
