/**
 * Polls `probe` until `isSettled` accepts its value or `withinMs` has passed, and returns the last
 * value. For checks on state that background work finishes a moment after the answer (a refused
 * upload's staging file removed after the response, a running job's record write staged in .tmp):
 * what is still wrong after the deadline is a real failure.
 */
export async function settle<T>(
  probe: () => T | Promise<T>,
  isSettled: (value: T) => boolean,
  withinMs = 2_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  let value = await probe();
  while (!isSettled(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await probe();
  }
  return value;
}
