/**
 * Runs the user's handler first, then the part's own unless the user called `event.preventDefault()` — so a user
 * can cancel what a part does (a send, a stop) from their own `onClick`/`onSubmit`/`onKeyDown`.
 *
 * @example
 * <button onClick={composeEventHandlers(props.onClick, () => chat.stop())} />
 */
export function composeEventHandlers<E extends { defaultPrevented: boolean }>(
  user: ((event: E) => void) | undefined,
  own: (event: E) => void,
  { checkForDefaultPrevented = true }: { checkForDefaultPrevented?: boolean } = {},
): (event: E) => void {
  return (event) => {
    user?.(event);
    if (!checkForDefaultPrevented || !event.defaultPrevented) own(event);
  };
}
