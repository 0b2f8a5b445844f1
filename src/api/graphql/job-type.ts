// GraphQL enum values are names, which cannot contain "-": the job type REST calls
// "scanner-db" is scanner_db in the JobType enum. These two spell a type for each door.
export const graphqlJobType = (type: string): string => type.replace(/-/g, "_");
export const restJobType = (type: string): string => type.replace(/_/g, "-");
