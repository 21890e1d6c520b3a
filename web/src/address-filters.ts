// Filters and choices kept in the page's address. Two changes made before React re-renders (a tab
// clicked, then a select changed at once) must both land: each change starts from the last one made,
// not from the address as it was when the page last rendered.
import { useCallback, useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';

export type AddressChange = Record<string, string | null>;

/** The address's search parameters, and a `change` that sets (or, with null or '', removes) some of them. */
export function useAddressFilters(): [
  URLSearchParams,
  (values: AddressChange, options?: { replace?: boolean; preventScrollReset?: boolean }) => void,
] {
  const [params, setParams] = useSearchParams();
  const pending = useRef<URLSearchParams | null>(null);
  // Once the address has caught up, it is the base again (back and forward included).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of the address, which it does not read
  useEffect(() => {
    pending.current = null;
  }, [params]);
  const change = useCallback(
    (values: AddressChange, options: { replace?: boolean; preventScrollReset?: boolean } = {}) => {
      const next = new URLSearchParams(pending.current ?? params);
      for (const [name, value] of Object.entries(values)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      pending.current = next;
      setParams(next, options);
    },
    [params, setParams],
  );
  return [params, change];
}
