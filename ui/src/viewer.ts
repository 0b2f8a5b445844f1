// What the signed-in key may do, read once from `viewer` at sign-in: pages hide the actions
// it may not perform.
import { createContext, useContext } from "react";
import type { Scope } from "./gql/graphql";

export interface Viewer {
  id: string;
  scopes: readonly Scope[];
}

export const ViewerContext = createContext<Viewer>({ id: "", scopes: [] });

export function useCan(scope: Scope): boolean {
  return useContext(ViewerContext).scopes.includes(scope);
}
