import { AppException } from '../errors/app.exception';
import { assertJsonWithinBounds, JSON_BOUNDS } from './json-bounds';

const check = (text: string) => () => assertJsonWithinBounds(Buffer.from(text));
const detailsOf = (text: string) => {
  try {
    assertJsonWithinBounds(Buffer.from(text));
  } catch (error) {
    return (error as AppException).details;
  }
  return undefined;
};

describe('assertJsonWithinBounds', () => {
  it('lets ordinary bodies through', () => {
    expect(check('{"items":[{"media_id":"a"},{"media_id":"b"}],"analysis_types":["labels","text"]}')).not.toThrow();
    expect(check(`${'['.repeat(JSON_BOUNDS.maxDepth)}${']'.repeat(JSON_BOUNDS.maxDepth)}`)).not.toThrow();
    expect(check(JSON.stringify({ items: Array(JSON_BOUNDS.maxArrayItems).fill(1) }))).not.toThrow();
  });

  it('counts only structure outside strings (brackets, commas and escaped quotes inside strings do not count)', () => {
    const text = JSON.stringify({ a: `${'['.repeat(100)}${','.repeat(5000)}\\"{{{` });
    expect(check(text)).not.toThrow();
  });

  it('refuses depth, keys, items and values beyond the bounds', () => {
    const deep = JSON_BOUNDS.maxDepth + 1;
    expect(detailsOf(`${'['.repeat(deep)}${']'.repeat(deep)}`)).toEqual({ max_depth: JSON_BOUNDS.maxDepth });
    const keys = Object.fromEntries(Array.from({ length: JSON_BOUNDS.maxKeysPerObject + 1 }, (_, i) => [`k${i}`, i]));
    expect(detailsOf(JSON.stringify({ nested: keys }))).toEqual({ max_keys: JSON_BOUNDS.maxKeysPerObject });
    expect(detailsOf(JSON.stringify([Array(JSON_BOUNDS.maxArrayItems + 1).fill(0)]))).toEqual({
      max_items: JSON_BOUNDS.maxArrayItems,
    });
    const wide = Array.from({ length: 30 }, () => Array(800).fill(0));
    expect(detailsOf(JSON.stringify(wide))).toEqual({ max_values: JSON_BOUNDS.maxValues });
  });
});
