import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval once started, and no more once stopped', async () => {
    const run = jest.fn(() => Promise.resolve());
    const task = new PeriodicTask(run, 1000);
    await jest.advanceTimersByTimeAsync(5000);
    expect(run).not.toHaveBeenCalled();
    task.start();
    await jest.advanceTimersByTimeAsync(3500);
    expect(run).toHaveBeenCalledTimes(3);
    task.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('hands a failed run to onError and keeps running', async () => {
    const failure = new Error('store down');
    const onError = jest.fn();
    const task = new PeriodicTask(() => Promise.reject(failure), 100, onError);
    task.start();
    await jest.advanceTimersByTimeAsync(250);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledWith(failure);
    task.stop();
  });

  it('starting twice keeps one timer', async () => {
    const run = jest.fn(() => Promise.resolve());
    const task = new PeriodicTask(run, 100);
    task.start();
    task.start();
    await jest.advanceTimersByTimeAsync(250);
    expect(run).toHaveBeenCalledTimes(2);
    task.stop();
  });
});
