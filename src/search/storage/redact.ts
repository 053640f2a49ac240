/** a storage URL as it may be shown (output, errors, hints): a Redis password becomes *** */
export function redactStorageUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
