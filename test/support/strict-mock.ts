import { mock, MockProxy } from 'jest-mock-extended';

type Stubs<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * A typed mock of a port where every call nobody stubbed throws, so a unit spec fails when the
 * code reaches for something it was not expected to use. Optional members the code probes
 * (`if (store.presignGet)`) must be named in `stubs`, as undefined when absent.
 */
export function strictMock<T>(name: string, stubs: Stubs<T> = {}): MockProxy<T> & T {
  return mock<T>(stubs as never, {
    fallbackMockImplementation: (...args: unknown[]) => {
      throw new Error(`${name}: a call nobody stubbed (${JSON.stringify(args).slice(0, 120)})`);
    },
  });
}
