// The API key lives in sessionStorage: gone when the tab closes, never in a cookie (so no
// request carries it unless the console adds it).
const KEY = "regops.apiKey";

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  save: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};
