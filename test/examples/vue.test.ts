// examples/vue: Vue 3.5 with oss-upload/vue's GlobalComponents types under strictTemplates; Vite, vue-tsc.
import { exampleTests } from './support.js';

exampleTests({
  name: 'vue',
  out: 'dist',
  widgetImports: ['src/main.ts'],
  negative: {
    fixture: 'vue-wrong-props.vue',
    into: 'src/WrongProps.vue',
    errors: [
      { line: 11, message: /TS2322: Type 'number' is not assignable to type 'boolean \| undefined'/ },
      { line: 12, message: /TS2322: Type 'number' is not assignable to type 'RequestHeaders \| undefined'/ },
      { line: 13, message: /Type 'OssUploadSuccessEvent' is not assignable to type 'OssUploadErrorEvent'/ },
    ],
  },
});
