/** The training settings that job and study schemas share: learning-rate schedule and augmentation. */
import { z } from 'zod';
import type { Augmentation } from '../data/augment';

export const scheduleSchema = z.enum(['cosine', 'step', 'constant']);

export const augmentationSchema = z.enum(['none', 'weak', 'strong'] as const satisfies readonly Augmentation[]);
