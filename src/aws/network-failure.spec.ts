import { isNetworkFailure } from './network-failure';

describe('isNetworkFailure', () => {
  it.each([
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['the SDK handler’s timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    [
      'an error the SDK wrapped with only its message',
      new Error('AWS SDK error wrapper for TimeoutError: socket hang up'),
    ],
  ])('is true for %s', (_, error) => {
    expect(isNetworkFailure(error)).toBe(true);
  });

  it.each([
    ['an answer from the service', Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' })],
    ['a message that only mentions a socket', new Error('the socket hang up test failed')],
    ['nothing', undefined],
  ])('is false for %s', (_, error) => {
    expect(isNetworkFailure(error)).toBe(false);
  });
});
