/**
 * Promise.all that waits for every promise before it rejects with the first failure. With
 * Promise.all, the calls still retrying after the first failure outlive the request (and, at
 * shutdown, the connection: the SDK's retry timer then throws on the closed channel).
 */
export async function settleAll<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const values: unknown[] = [];
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values as unknown as T;
}
