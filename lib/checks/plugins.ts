import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ResilienceChecks } from './resilience-checks';

/** Registers every policy pack the app must pass at synth. */
export function addValidationPlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
}
