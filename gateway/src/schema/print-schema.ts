// Prints the SDL checked in as schema.graphql; `npm run generate` writes it.
import { printSortedSchema } from "./index.ts";

console.log(printSortedSchema().trimEnd());
