import { createApp } from 'vue';
import 'oss-upload/vue';
import App from './App.vue';

createApp(App).mount('#app');
