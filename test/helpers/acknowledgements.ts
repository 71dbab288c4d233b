/** An acknowledged finding as the packs report it: where it is, where the acknowledgement sits, and why. */
export interface ScopedAcknowledgement {
  readonly constructPath: string;
  readonly source: string;
  readonly reason: string;
}

/**
 * The project's rule for an acknowledgement: on the resource itself or its own L2 wrapper, never on a
 * stack or the app (at least `<stack>/<construct>/<resource>`), with a reason of at least `minReasonLength`.
 */
export function expectScopedToItsResource(a: ScopedAcknowledgement, minReasonLength: number): void {
  expect({ path: a.constructPath, onResource: a.constructPath.startsWith(a.source) }).toEqual({
    path: a.constructPath,
    onResource: true,
  });
  expect(a.source.split('/').length).toBeGreaterThan(2);
  expect(a.reason.length).toBeGreaterThan(minReasonLength);
}
