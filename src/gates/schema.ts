/** The zod schema of a gate in specs and spaces, derived from the registry. */
import { z } from 'zod';
import { gateNames } from './registry';

export const gateNameSchema = z.enum(gateNames);

export const gateSchema = z
  .object({
    name: gateNameSchema,
    f: z.number().finite().optional(),
    phi: z.number().finite().optional(),
    tau: z.number().finite().optional(),
  })
  .strict();
