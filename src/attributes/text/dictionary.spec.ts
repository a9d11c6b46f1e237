import { dictionarySize, isDictionaryWord } from './dictionary';
import { normalizeOcrText } from './ocr-text';

describe('isDictionaryWord (an-array-of-english-words, offline)', () => {
  it('loads the shipped list', () => {
    expect(dictionarySize()).toBeGreaterThan(200_000);
  });

  it.each(['monitor', 'Monitor', 'COTTON', 'coffee', 'beans', 'roasted', 'headphones', "wearer's"])(
    '%s is a word',
    (w) => {
      expect(isDictionaryWord(w)).toBe(true);
    },
  );

  it.each(['NOVAVIEW', 'Logitech', 'KWENDA', 'Zorblax', 'AQUAPURA'])('%s is not', (w) => {
    expect(isDictionaryWord(w)).toBe(false);
  });
});

describe('normalizeOcrText', () => {
  it.each([
    ['1OO% Cotton', '100% Cotton'],
    ['5OOml', '500ml'],
    ['l44Hz', '144Hz'],
    ['2l60p', '2160p'],
    ['27″', '27"'],
    ["27''", '27"'],
    ['27”', '27"'],
    ['3840 × 2160', '3840 x 2160'],
    ['  27\u00a0inch  ', '27 inch'],
    // words and model numbers are left as printed
    ['Model NV-27U', 'Model NV-27U'],
    ['Olive Oil', 'Olive Oil'],
    ['lOOk', 'lOOk'],
    ['HDR10', 'HDR10'],
  ])('%j -> %j', (input, output) => {
    expect(normalizeOcrText(input)).toBe(output);
  });
});
