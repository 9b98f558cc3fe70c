// examples/react: React 19 with the bare tag typed by oss-upload/react-jsx; Vite, tsc.
import { exampleTests } from './support.js';

exampleTests({
  name: 'react',
  out: 'dist',
  widgetImports: ['src/App.tsx'],
  negative: {
    fixture: 'react-wrong-props.tsx',
    into: 'src/WrongProps.tsx',
    errors: [
      { line: 4, message: /TS2322: Type 'number' is not assignable to type 'boolean \| undefined'/ },
      { line: 5, message: /Property 'onOssUploadSuccess' does not exist/ },
      { line: 6, message: /Type 'OssUploadSuccessEvent' is not assignable to type 'CustomEvent<\{ code: number; \}>'/ },
    ],
  },
});
