// examples/angular: Angular 21 (standalone, zoneless), CUSTOM_ELEMENTS_SCHEMA, strictTemplates; ng build, ngc.
// Angular does not check property bindings on custom elements, only the event bindings' $event.
import { exampleTests } from './support.js';

exampleTests({
  name: 'angular',
  out: 'dist/example/browser',
  widgetImports: ['src/main.ts'],
  negative: {
    fixture: 'angular-wrong-handler.ts',
    into: 'src/app/wrong-handler.ts',
    errors: [
      { line: 8, message: /TS2345: Argument of type 'OssUploadSuccessEvent' is not assignable to parameter of type 'OssUploadErrorEvent'/ },
    ],
  },
});
